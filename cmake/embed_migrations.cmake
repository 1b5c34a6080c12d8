# Turns a service's migrations/*.sql into a C++ source that lists them, so the
# binary carries its schema and `screeningd migrate` needs no files beside it.
# Invoked at build time: cmake -DSERVICE=.. -DSQL_DIR=.. -DOUT=.. -P this.
file(GLOB sql_files ${SQL_DIR}/*.sql)
list(SORT sql_files)
set(body "")
foreach(f ${sql_files})
  get_filename_component(fname ${f} NAME_WE)
  string(REGEX MATCH "^[0-9]+" version ${fname})
  if(NOT version)
    message(FATAL_ERROR "migration ${f} must start with its version number")
  endif()
  math(EXPR version "${version}")
  file(READ ${f} sql)
  string(APPEND body "      {${version}, \"${fname}\", R\"sql__(${sql})sql__\"},\n")
endforeach()
file(WRITE ${OUT}.tmp
"// Generated from ${SQL_DIR} by cmake/embed_migrations.cmake. Do not edit.\n"
"#include \"common/migrations.h\"\n\n"
"namespace screening::${SERVICE} {\n\n"
"const std::vector<screening::Migration>& Migrations() {\n"
"  static const std::vector<screening::Migration> kMigrations = {\n${body}  };\n"
"  return kMigrations;\n}\n\n}  // namespace screening::${SERVICE}\n")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)

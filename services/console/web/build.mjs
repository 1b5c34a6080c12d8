// Bundles the console (src/main.ts and what it imports, ECharts included)
// into one script and copies the static files beside it:
//   node build.mjs [--outdir=dist]
// screeningd embeds the output (cmake/embed_console.cmake); no node or CDN at run time.
// Each file is also written compressed, brotli (.br) and gzip (.gz), at their
// strongest settings: done once here, so that screeningd never compresses.
import * as esbuild from "esbuild";
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const outdir = (process.argv.find((a) => a.startsWith("--outdir=")) ?? "--outdir=dist").slice(9);
mkdirSync(outdir, { recursive: true });
await esbuild.build({
  entryPoints: ["src/main.ts"],
  bundle: true,
  minify: true,
  format: "esm",
  target: ["es2020", "chrome100", "firefox100", "safari15"],
  outfile: `${outdir}/app.js`,
  legalComments: "none",
  logLevel: "warning",
});
cpSync("static", outdir, { recursive: true });
for (const name of ["index.html", "app.js", "app.css"]) {
  const bytes = readFileSync(`${outdir}/${name}`);
  writeFileSync(`${outdir}/${name}.br`, brotliCompressSync(bytes, {
    params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY },
  }));
  writeFileSync(`${outdir}/${name}.gz`, gzipSync(bytes, { level: 9 }));
}

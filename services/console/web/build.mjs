// Bundles the console (src/main.ts and what it imports, ECharts included)
// into one script and copies the static files beside it:
//   node build.mjs [--outdir=dist]
// screeningd embeds the output (cmake/embed_console.cmake); no node or CDN at run time.
import * as esbuild from "esbuild";
import { cpSync, mkdirSync } from "node:fs";

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

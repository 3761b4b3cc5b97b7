#!/usr/bin/env node
import { main } from '../dist/cli/main.js';

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`kubecomply: ${e?.stack ?? e}\n`);
    process.exitCode = 2;
  },
);

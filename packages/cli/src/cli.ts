#!/usr/bin/env node
import { run } from './run.js';

// A reader that stops early (`weaviate-auth keys list | head -1`) closes the pipe: the rest of the output has
// nowhere to go, which is no error of the command. Without a listener Node throws it with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
  });
}

run(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});

import { jsonLogger } from './log.js';
import { loadServerConfigOrExit } from './server/key-files.js';
import { startServer } from './server/start.js';

// `make serve`: read the configuration (exit 2 with every problem listed), then let the composition root start.
const config = loadServerConfigOrExit();
await startServer(config, jsonLogger(config.logLevel));

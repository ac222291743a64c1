/** Unit tests only (no Temporal/Postgres global setup): `npx jest -c jest.unit.config.js`. */
const base = require('./jest.config.js');
/** @type {import('jest').Config} */
module.exports = { ...base, roots: ['<rootDir>/test/unit'], globalSetup: undefined, globalTeardown: undefined };

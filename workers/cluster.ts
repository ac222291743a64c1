import { main } from './run-worker';

main('cluster');

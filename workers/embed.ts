import { main } from './run-worker';

main('embed');

import { main } from './run-worker';

main('collect');

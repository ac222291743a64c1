import { main } from './run-worker';

main('workflows');

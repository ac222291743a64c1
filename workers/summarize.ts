import { main } from './run-worker';

main('summarize');

// Loads the example job through tsx, as the gluekit command does.
import { register } from 'tsx/esm/api';

register();
const job = (await import('../../examples/orders/job.ts')).default;
if (job.kind !== 'Job') process.exit(1);

// Loads the example job through jiti, the alternative loader measured against tsx.
import { createJiti } from 'jiti';

const jiti = createJiti(import.meta.url, { alias: { gluekit: new URL('../../index.ts', import.meta.url).pathname } });
const job = await jiti.import('../../examples/orders/job.ts', { default: true });
if (job.kind !== 'Job') process.exit(1);

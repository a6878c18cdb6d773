/**
 * The job file the deploy CLI tests load. Its KMS key is created in moto by the test,
 * so the file takes it (and the job's name) from the environment the test sets.
 */
import { testJob } from './jobs.js';

export default testJob({
  name: process.env.GLUEKIT_TEST_JOB_NAME ?? 'cli-deployed',
  key: process.env.GLUEKIT_TEST_KMS_KEY ?? 'arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000',
  minAmount: Number(process.env.GLUEKIT_TEST_MIN_AMOUNT ?? 100),
});

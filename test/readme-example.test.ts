/** The testing example of the README, kept true: the same code, against the example job. */
import { it } from 'vitest';
import { expectRows, runLocally } from 'gluekit/testing';
import job from '../examples/orders/job.js';

it('keeps paid orders only', async () => {
  const result = await runLocally(job, {
    inputs: {
      orders: [
        { order_id: 1, customer_id: 7, order_ts: '2024-01-31 10:00:00', status: 'PAID', amount: '12.50', currency: 'EUR' },
        { order_id: 2, customer_id: 7, order_ts: '2024-01-31 11:00:00', status: 'PENDING', amount: '3.00', currency: 'EUR' },
      ],
      customers: [{ customer_id: 7, name: 'Ada', country: 'DE', segment: 'smb', signup_date: '2020-01-01' }],
    },
  });
  await expectRows(result.outputs.revenue_out, [
    { order_date: '2024-01-31', country: 'DE', segment: 'smb', revenue: '12.50', orders: 1, customers: 1 },
  ]);
});

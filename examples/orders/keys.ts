/**
 * KMS keys of the example. They are ARNs in a made-up account: the compiler only needs
 * well-formed ARNs, and the local runner maps them to keys in a local keystore.
 */
const account = '123456789012';
const region = 'eu-west-1';
const key = (id: string) => `arn:aws:kms:${region}:${account}:key/${id}`;

/** Wraps the data keys of the client-side encrypted orders feed. */
export const ordersFeedKey = key('0b6a1d1e-2f4c-4b8e-9a53-6d1f0c7e5a21');
/** SSE-KMS for everything the job writes. */
export const analyticsDataKey = key('5c2e8f47-91d3-4a6b-b0e2-3f8d7c1a9e64');
/** Encrypts the job's CloudWatch logs. */
export const logsKey = key('8e1f3a92-6b7c-4d05-a1e8-2c9b4f6d3a17');
/** Encrypts the job's bookmark state. */
export const bookmarksKey = key('d47b2c15-3e8a-4f91-b6c2-7a0e5d9f1b38');

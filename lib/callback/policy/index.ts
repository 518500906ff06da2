export * from './retry-policy';
export * from './caller-id-policy';
export * from './ivr-outcome';
export * from './active-for-users';

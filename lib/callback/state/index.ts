export * from './transition-table';
export * from './request-state';
export * from './request-events';
export * from './decide';
export * from './leg-state';
export * from './live-status';

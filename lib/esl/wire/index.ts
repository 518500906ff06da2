export * from './errors';
export * from './headers';
export * from './url-codec';
export * from './frame-parser';
export * from './event';
export * from './message';
export * from './encode';

export * from './overridable';
export * from './resolve';
export * from './layers';
export * from './edit';
export * from './for-request';
export * from './system';

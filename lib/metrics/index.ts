/** O4: Prometheus metrics and the readiness checks behind /readyz. */
export { ESL_STATE_VALUE, NO_CAUSE, ServiceMetrics, type QueueSource } from './service-metrics';
export { timeOriginate, trackEngineEvents, trackEslClient, type EngineEventSource, type EslStateSource } from './tracking';
export { databaseReadiness, eslReadiness, redisReadiness, type RedisReadiness } from './readiness';
export { metricsRouter } from './http';

export * from './tenants.js';
export * from './users.js';
export * from './sessions.js';
export * from './audit.js';
export * from './courses.js';
export * from './jobs.js';
export * from './registrations.js';
export * from './xapi.js';

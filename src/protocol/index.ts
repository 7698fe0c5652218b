export * from './limits.js';
export * from './topics.js';
export * from './messages.js';
export * from './http.js';
export * from './names.js';
export * from './token-bucket.js';
export * from './rooms.js';
export * from './group-calls.js';

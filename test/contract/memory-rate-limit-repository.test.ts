import { MemoryRateLimitRepository } from '../../src/store/memory/memory-rate-limit-repository.js';
import { rateLimitRepositoryContract } from './rate-limit-repository.contract.js';

rateLimitRepositoryContract('MemoryRateLimitRepository', () => new MemoryRateLimitRepository());

import { MemoryCallRepository } from '../../src/store/memory/memory-call-repository.js';
import { callRepositoryContract } from './call-repository.contract.js';

callRepositoryContract('MemoryCallRepository', () => new MemoryCallRepository());

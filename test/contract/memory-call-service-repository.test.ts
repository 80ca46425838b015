import { MemoryCallServiceRepository } from '../../src/store/memory/memory-call-service-repository.js';
import { callServiceRepositoryContract } from './call-service-repository.contract.js';

callServiceRepositoryContract('MemoryCallServiceRepository', () => new MemoryCallServiceRepository());

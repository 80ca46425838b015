import { MemoryCdrRepository } from '../../src/store/memory/memory-cdr-repository.js';
import { cdrRepositoryContract } from './cdr-repository.contract.js';

cdrRepositoryContract('MemoryCdrRepository', () => new MemoryCdrRepository());

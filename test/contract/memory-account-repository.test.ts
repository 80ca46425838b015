import { MemoryAccountRepository } from '../../src/store/memory/memory-account-repository.js';
import { accountRepositoryContract } from './account-repository.contract.js';

accountRepositoryContract('MemoryAccountRepository', () => new MemoryAccountRepository());

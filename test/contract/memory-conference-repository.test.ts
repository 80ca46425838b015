import { MemoryConferenceRepository } from '../../src/store/memory/memory-conference-repository.js';
import { conferenceRepositoryContract } from './conference-repository.contract.js';

conferenceRepositoryContract('MemoryConferenceRepository', () => new MemoryConferenceRepository());

import { MemoryDeviceRepository } from '../../src/store/memory/memory-device-repository.js';
import { deviceRepositoryContract } from './device-repository.contract.js';

deviceRepositoryContract('MemoryDeviceRepository', () => new MemoryDeviceRepository());

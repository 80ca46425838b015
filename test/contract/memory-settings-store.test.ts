import { MemorySettingsStore } from '../../src/store/memory/memory-settings-store.js';
import { settingsStoreContract } from './settings-store.contract.js';

settingsStoreContract('MemorySettingsStore', async () => new MemorySettingsStore());

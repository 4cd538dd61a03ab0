/**
 * The default model's files: built by scripts/default-model.ts into DEFAULT_MODEL_SOURCE_DIR,
 * copied into the deploy-time function's bundle as DEFAULT_MODEL_FOLDER (infra), published where no
 * model is current (model-store/default-model.ts).
 */
export const DEFAULT_MODEL_FOLDER = 'default-model';
/** The folder in the repository, from its root. */
export const DEFAULT_MODEL_SOURCE_DIR = `model-store/${DEFAULT_MODEL_FOLDER}`;

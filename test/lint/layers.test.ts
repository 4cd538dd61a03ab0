/**
 * The layer rule of eslint.config.js: deployables import shared layers only, never each other, and
 * shared layers never import deployables.
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint();

async function layerErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: file });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('layers', () => {
  it.each([
    ['functions/score/example.ts', "import { trainModel } from '../../models/train.js';"],
    ['functions/sinks/example.ts', "import { FeaturePipeline } from '../../features/pipeline.js';"],
    ['agent/sender/example.ts', "import { parseConfig } from '../../functions/score/config.js';"],
    ['models/evaluate/example.ts', "import { toEntries } from '../../agent/sender/kinesis-sender.js';"],
    ['model-store/example.ts', "import { trainModel } from '../models/train.js';"],
    ['core/example.ts', "import { FeaturePipeline } from '../features/pipeline.js';"],
    ['infra/constructs/example.ts', "import { run } from '../../local/start.js';"],
    ['alerting/example.ts', "import { buildDashboards } from '../grafana/boards/index.js';"],
    ['infra/example.ts', "import { buildDashboards } from '../grafana/boards/index.js';"],
  ])('%s may not import across layers: %s', async (file, code) => {
    expect(await layerErrors(file, `${code}\nexport {};\n`)).toEqual([expect.stringMatching(/imports .* only \(layers in eslint.config.js\)/)]);
  });

  it.each([
    ['functions/score/example.ts', "import { createOnnxScorer } from '../../model-store/onnx-scorer.js';"],
    ['agent/sender/example.ts', "import { FeaturePipeline } from '../../features/pipeline.js';"],
    ['agent/sender/example.ts', "import { run } from '../cli/run.js';"],
    ['models/evaluate/example.ts', "import { createOnnxScorer } from '../../model-store/onnx-scorer.js';"],
    ['cli/example.ts', "import { trainModel } from '../models/train.js';"],
    ['infra/example.ts', "import { renderRules } from '../alerting/rules.js';"],
    ['grafana/boards/example.ts', "import { promDuration } from '../../alerting/duration.js';"],
  ])('%s may import: %s', async (file, code) => {
    expect(await layerErrors(file, `${code}\nexport {};\n`)).toEqual([]);
  });

  it("imports zod as a namespace, so the score function's bundle keeps only the parts it uses", async () => {
    const [named] = await eslint.lintText("import { z } from 'zod';\nexport const s = z.string();\n", { filePath: 'core/example.ts' });
    expect(named!.messages.map((m) => m.ruleId)).toEqual(['no-restricted-syntax']);
    const [namespace] = await eslint.lintText("import * as z from 'zod';\nexport const s = z.string();\n", { filePath: 'core/example.ts' });
    expect(namespace!.messages).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { decide, retrainReportKey, type ModelFigures } from '../../core/retrain-report.js';

const figures = (falseAlarmEpisodesPerHostDay: number, incidentsDetected: number): ModelFigures => ({
  version: 'v',
  threshold: 0.5,
  falseAlarmEpisodesPerHostDay,
  falseAlarmEpisodes: Math.round(falseAlarmEpisodesPerHostDay * 10),
  incidentsInjected: 10,
  incidentsDetected,
});

describe('the champion / challenger decision', () => {
  it('publishes a challenger with no more false alarms and no fewer detections, ties included', () => {
    expect(decide(figures(0.5, 7), figures(0.5, 7)).decision).toBe('published');
    expect(decide(figures(0.5, 7), figures(0.2, 9))).toEqual({
      decision: 'published',
      reason: 'the challenger is at least as good: false-alarm episodes per host-day 0.200 against 0.500, incidents detected 9 against 7 of 10',
    });
  });

  it('keeps the champion when the challenger alarms more or detects less, and says which', () => {
    expect(decide(figures(0.5, 7), figures(0.6, 9))).toMatchObject({
      decision: 'kept',
      reason: expect.stringMatching(/^the challenger is worse \(more false alarms\)/),
    });
    expect(decide(figures(0.5, 7), figures(0.1, 6))).toMatchObject({
      decision: 'kept',
      reason: expect.stringMatching(/^the challenger is worse \(fewer incidents detected\)/),
    });
  });

  it('publishes when no model is current', () => {
    expect(decide(undefined, figures(3, 0))).toEqual({ decision: 'published', reason: 'no model was current' });
  });

  it('names reports by start time so that they sort in time order', () => {
    expect(retrainReportKey('models/', new Date(Date.UTC(2026, 11, 2, 3, 15, 0, 123)))).toBe('models/retraining/20261202T031500Z.json');
  });
});

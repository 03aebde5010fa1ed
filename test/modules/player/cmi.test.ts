import t from 'tap';
import type { Item, Sequencing } from '../../../src/modules/courses/manifest/types.js';
import { parseDuration2004, parseTimespan12, rollupCourse, seedCmi, summarizeCmi } from '../../../src/modules/player/cmi.js';

const item = (overrides: Partial<Item> = {}): Item => ({
  identifier: 'i1', title: 'Item', isVisible: true, parameters: null, resourceId: 'r1', scormType: 'sco', launchUrl: 'index.html',
  masteryScore: null, maxTimeAllowed: null, timeLimitAction: null, dataFromLms: null, prerequisites: null, completionThreshold: null,
  presentation: null, sharedData: [], sequencing: null, metadata: null, children: [], ...overrides,
});

t.test('SCORM times parse to seconds', async (t) => {
  t.equal(parseTimespan12('0001:02:03.50'), 3723.5);
  t.equal(parseTimespan12('00:00:07'), 7);
  t.equal(parseTimespan12('nonsense'), null);
  t.equal(parseDuration2004('PT1H2M3.5S'), 3723.5);
  t.equal(parseDuration2004('P1DT1S'), 86401);
  t.equal(parseDuration2004('PT'), null);
});

t.test('SCORM 1.2: a mastery score turns a raw score into passed or failed (RTE 3.4.4)', async (t) => {
  const mastery = item({ masteryScore: 80 });
  const failed = summarizeCmi('scorm12', { core: { lesson_status: 'completed', score: { raw: '70', min: '0', max: '100' } } }, mastery, 0);
  t.match(failed, { completionStatus: 'completed', successStatus: 'failed', scoreScaled: 0.7 });
  const passed = summarizeCmi('scorm12', { core: { lesson_status: 'incomplete', score: { raw: '90' } } }, mastery, 0);
  t.match(passed, { completionStatus: 'completed', successStatus: 'passed', scoreScaled: 0.9 });
  const noMastery = summarizeCmi('scorm12', { core: { lesson_status: 'incomplete', lesson_location: 'p4', exit: 'suspend' }, suspend_data: 'abc' }, item(), 12);
  t.match(noMastery, { completionStatus: 'incomplete', successStatus: 'unknown', location: 'p4', exit: 'suspend', suspendData: 'abc', totalTimeSeconds: 12 });
});

t.test('SCORM 2004: completion threshold and scaled passing score are applied by the LMS', async (t) => {
  const threshold = item({ completionThreshold: { completedByMeasure: true, minProgressMeasure: 0.8, progressWeight: 1 } });
  t.equal(summarizeCmi('scorm2004', { completion_status: 'completed', progress_measure: '0.5' }, threshold, 0).completionStatus, 'incomplete');
  t.equal(summarizeCmi('scorm2004', { completion_status: 'incomplete', progress_measure: '0.9' }, threshold, 0).completionStatus, 'completed');
  const byMeasure = item({
    sequencing: { objectives: { primaryObjective: { objectiveID: 'p', satisfiedByMeasure: true, minNormalizedMeasure: 0.7, mapInfo: [] }, objectives: [] } } as unknown as Sequencing,
  });
  t.equal(seedCmi('scorm2004', byMeasure, { id: 'u', name: 'U' }, null).scaled_passing_score, '0.7', 'seeded from the primary objective');
  t.equal(seedCmi('scorm2004', item(), { id: 'u', name: 'U' }, null).scaled_passing_score, '', 'none without satisfiedByMeasure');
  const scored = summarizeCmi('scorm2004', { success_status: 'passed', score: { scaled: '0.6' }, total_time: 'PT1M' }, byMeasure, 0);
  t.match(scored, { successStatus: 'failed', scoreScaled: 0.6, totalTimeSeconds: 60 });
  const forged = summarizeCmi('scorm2004', { success_status: 'passed', scaled_passing_score: '0.9', score: { scaled: '0.6' } }, item(), 0);
  t.equal(forged.successStatus, 'passed', 'a scaled_passing_score in the commit is not believed');
});

t.test('a suspended attempt resumes with its data; anything else starts fresh', async (t) => {
  const learner = { id: 'u1', name: 'Doe, Jane' };
  const previous = { cmi: { core: { lesson_location: 'p7', lesson_status: 'incomplete' }, suspend_data: 'xyz' }, exit: 'suspend', totalTimeSeconds: 65 };
  const resumed = seedCmi('scorm12', item({ masteryScore: 80, dataFromLms: 'hello' }), learner, previous);
  t.match(resumed, { suspend_data: 'xyz', launch_data: 'hello', core: { entry: 'resume', lesson_location: 'p7', student_name: 'Doe, Jane', total_time: '0000:01:05.00' }, student_data: { mastery_score: '80' } });
  const fresh = seedCmi('scorm12', item(), learner, { ...previous, exit: '' });
  t.match(fresh, { core: { entry: 'ab-initio', total_time: '0000:00:00.00' } });
  t.notOk('suspend_data' in fresh);
  const resumed2004 = seedCmi('scorm2004', item(), learner, { cmi: { location: 'L3', suspend_data: 's' }, exit: 'suspend', totalTimeSeconds: 10 });
  t.match(resumed2004, { entry: 'resume', location: 'L3', suspend_data: 's', learner_name: 'Doe, Jane', total_time: 'PT10S' });
});

t.test('the course result rolls up from each item’s latest attempt', async (t) => {
  const r = (id: string, completion: string, success = 'unknown', scaled: number | null = null) => ({
    itemIdentifier: id, completionStatus: completion, successStatus: success, scoreScaled: scaled, scoreRaw: null, scoreMin: null, scoreMax: null, totalTimeSeconds: 30,
  });
  t.match(rollupCourse(['a', 'b'], [r('a', 'completed', 'passed', 1)]), { completionStatus: 'incomplete', successStatus: 'unknown', totalTimeSeconds: 30 });
  t.match(rollupCourse(['a', 'b'], [r('a', 'completed', 'passed', 1), r('b', 'completed', 'unknown', 0.5)]), { completionStatus: 'completed', successStatus: 'passed', scoreScaled: 0.75, totalTimeSeconds: 60 });
  t.match(rollupCourse(['a', 'b'], [r('a', 'completed', 'failed'), r('b', 'incomplete')]), { successStatus: 'failed' });
  t.match(rollupCourse(['a'], []), { completionStatus: 'not attempted' });
});

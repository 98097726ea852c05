// State machines the browser tests create through CreateStateMachine.
// Only Pass, Choice, Wait, Parallel, Map, Succeed and Fail (and one Task
// that fails whatever the integrations do), so every status is
// deterministic.

// fanout: a Parallel whose first branch is a Map whose last item (run one
// at a time) fails in a Fail state, caught inside the branch; the second
// branch a Pass. (One fan-out per thread: see the report on a second Map
// or Parallel after a first one in the same thread.)
export const fanout = {
  Comment: 'Map iterations with their own status, a caught Map failure, Parallel branches',
  StartAt: 'Both',
  States: {
    Both: {
      Type: 'Parallel',
      Branches: [
        {
          StartAt: 'Fan',
          States: {
            Fan: {
              Type: 'Map',
              ItemsPath: '$.items',
              MaxConcurrency: 1,
              ItemProcessor: {
                ProcessorConfig: { Mode: 'INLINE' },
                StartAt: 'Check',
                States: {
                  Check: { Type: 'Choice', Choices: [{ Variable: '$', NumericEquals: 2, Next: 'Reject' }], Default: 'Accept' },
                  Accept: { Type: 'Pass', End: true },
                  Reject: { Type: 'Fail', Error: 'ItemRejected', Cause: 'item 2 is not allowed' },
                },
              },
              Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Recovered' }],
              End: true,
            },
            Recovered: { Type: 'Pass', End: true },
          },
        },
        { StartAt: 'Side', States: { Side: { Type: 'Pass', End: true } } },
      ],
      Next: 'Done',
    },
    Done: { Type: 'Succeed' },
  },
};

// hold waits $.wait seconds between two Pass states.
export const hold = {
  StartAt: 'Prepare',
  States: {
    Prepare: { Type: 'Pass', Next: 'Hold' },
    Hold: { Type: 'Wait', SecondsPath: '$.wait', Next: 'Finish' },
    Finish: { Type: 'Pass', End: true },
  },
};

// router succeeds when $.ok is true and fails otherwise.
export const router = {
  StartAt: 'Route',
  States: {
    Route: { Type: 'Choice', Choices: [{ Variable: '$.ok', BooleanEquals: true, Next: 'Yes' }], Default: 'No' },
    Yes: { Type: 'Succeed' },
    No: { Type: 'Fail', Error: 'NotOk', Cause: 'the input said no' },
  },
};

// retryCatch: a Lambda call of a function that does not exist, retried once
// on any error, then caught.
export const retryCatch = {
  StartAt: 'Call',
  States: {
    Call: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: 'arn:aws:lambda:us-east-1:123456789012:function:console-test-missing', Payload: {} },
      TimeoutSeconds: 5,
      Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 1, MaxAttempts: 1 }],
      Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Recover' }],
      Next: 'Recover',
    },
    Recover: { Type: 'Pass', End: true },
  },
};

// large: 500 states (a chain of 448 Pass states, then a Map whose
// processor is a chain of 51) and a history of about 10,000 events (90
// items x (51 x 2 + 2) + 448 x 2 + 6).
const CHAIN = 448;
const INNER = 51;
const ITEMS = 90;
function buildLarge() {
  const id = (p, i, w) => `${p}${String(i).padStart(w, '0')}`;
  const states = {};
  for (let i = 0; i < CHAIN; i++) states[id('S', i, 3)] = { Type: 'Pass', Next: i < CHAIN - 1 ? id('S', i + 1, 3) : 'Fan' };
  const inner = {};
  for (let j = 0; j < INNER; j++) inner[id('I', j, 2)] = j < INNER - 1 ? { Type: 'Pass', Next: id('I', j + 1, 2) } : { Type: 'Pass', End: true };
  states.Fan = {
    Type: 'Map', ItemsPath: '$.items', ResultPath: null, End: true,
    ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, StartAt: 'I00', States: inner },
  };
  return { Comment: `${CHAIN + 1 + INNER} states`, StartAt: 'S000', States: states };
}
export const large = {
  definition: buildLarge(),
  input: { items: Array.from({ length: ITEMS }, (_, i) => i) },
  states: CHAIN + 1 + INNER,
  items: ITEMS,
};

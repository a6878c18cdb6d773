/**
 * The semantic job diff: what Glue fills in by itself is not a change, maps and nodes
 * are compared member by member, and what UpdateJob would reset is reported.
 */
import { describe, expect, it } from 'vitest';
import { diffJob, diffTags } from '../../deploy/diff.js';

const desired = {
  Role: 'arn:aws:iam::123456789012:role/R',
  ExecutionProperty: { MaxConcurrentRuns: 1 },
  Command: { Name: 'glueetl', ScriptLocation: 's3://b/s.py', PythonVersion: '3' },
  DefaultArguments: { '--a': '1', '--b': '2' },
  MaxRetries: 0,
  Timeout: 2880,
  GlueVersion: '6.0',
  NumberOfWorkers: 2,
  WorkerType: 'G.1X',
  CodeGenConfigurationNodes: { n1: { SparkSQL: { Name: 'n1', Inputs: ['n0'], SqlQuery: 'select 1', SqlAliases: [{ From: 'n0', Alias: 'x' }] } } },
  ExecutionClass: 'STANDARD',
};

describe('diffJob', () => {
  it('reports nothing for what GetJob answers about a job created from the same input', () => {
    const live = {
      ...desired,
      Name: 'j',
      CreatedOn: new Date(),
      LastModifiedOn: new Date(),
      AllocatedCapacity: 2,
      MaxCapacity: 2,
      JobMode: 'VISUAL',
      Description: '',
      Connections: { Connections: [] },
      NonOverridableArguments: {},
      // Key order differs and defaults are left out: neither is a change.
      DefaultArguments: { '--b': '2', '--a': '1' },
      Command: { ScriptLocation: 's3://b/s.py', Name: 'glueetl' },
      ExecutionProperty: undefined,
      MaxRetries: undefined,
      Timeout: undefined,
      ExecutionClass: undefined,
      JobRunQueuingEnabled: false,
    };
    expect(diffJob(live, desired)).toEqual([]);
  });

  it('compares arguments as a map and nodes member by member', () => {
    const live = {
      ...desired,
      DefaultArguments: { '--a': '0', '--gone': 'x', '--b': '2' },
      CodeGenConfigurationNodes: { n1: { SparkSQL: { ...desired.CodeGenConfigurationNodes.n1.SparkSQL, SqlQuery: 'select 2' } }, old: { DropFields: { Name: 'old', Inputs: ['n1'], Paths: [['c']] } } },
    };
    expect(diffJob(live, desired)).toEqual([
      { field: 'CodeGenConfigurationNodes.n1.SparkSQL.SqlQuery', before: 'select 2', after: 'select 1' },
      { field: 'CodeGenConfigurationNodes.old', before: { DropFields: { Name: 'old', Inputs: ['n1'], Paths: [['c']] } } },
      { field: 'DefaultArguments["--a"]', before: '0', after: '1' },
      { field: 'DefaultArguments["--gone"]', before: 'x' },
    ]);
  });

  it('shows a default as the value it replaces, and reports settings made out of band that UpdateJob would reset', () => {
    const live = { ...desired, Timeout: undefined, LogUri: 's3://logs/', NotificationProperty: { NotifyDelayAfter: 5 } };
    expect(diffJob(live, { ...desired, Timeout: 60 })).toEqual([
      { field: 'LogUri', before: 's3://logs/' },
      { field: 'NotificationProperty', before: { NotifyDelayAfter: 5 } },
      { field: 'Timeout', before: 2880, after: 60 },
    ]);
  });
});

describe('diffTags', () => {
  it('adds, changes and removes tags, and never touches aws: tags', () => {
    expect(diffTags({ team: 'a', old: 'x', 'aws:cloudformation:stack-name': 's' }, { team: 'b', 'gluekit:managed': 'true' })).toEqual([
      { field: 'Tags["gluekit:managed"]', after: 'true' },
      { field: 'Tags.old', before: 'x' },
      { field: 'Tags.team', before: 'a', after: 'b' },
    ]);
  });
});

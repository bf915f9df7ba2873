/**
 * IAM (query protocol, 2010-05-08) as `aws setup` uses it: roles with inline policies, instance
 * profiles, and customer-managed policies with versions. Documents are returned URL-encoded,
 * as IAM does.
 */
import type { DoubleState } from './double-state.js';
import { AwsFault, type QueryParams } from './query-params.js';
import { setupStore } from './setup-store.js';
import type { XmlValue } from './xml.js';

type Handler = (state: DoubleState, p: QueryParams) => XmlValue | undefined;
export const IAM_NAMESPACE = 'https://iam.amazonaws.com/doc/2010-05-08/';

const noEntity = (what: string): AwsFault =>
  new AwsFault('NoSuchEntity', `The ${what} cannot be found.`, 404);
const tagsOf = (p: QueryParams): Record<string, string> =>
  Object.fromEntries(p.structs('Tags.member').map((t) => [t.Key ?? '', t.Value ?? '']));
const tagList = (tags: Record<string, string>): XmlValue =>
  Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
const json = (text: string): string => {
  try {
    return JSON.stringify(JSON.parse(text));
  } catch {
    throw new AwsFault('MalformedPolicyDocument', 'Syntax errors in policy.');
  }
};

function role(state: DoubleState, name: string) {
  const r = setupStore(state).roles.get(name);
  if (!r) throw noEntity(`role with name ${name}`);
  return r;
}
const roleXml = (name: string, r: ReturnType<typeof role>): XmlValue => ({
  RoleName: name,
  Arn: r.arn,
  Path: '/',
  RoleId: `AROA${name.length}`,
  CreateDate: new Date(Date.UTC(2026, 0, 1)),
  AssumeRolePolicyDocument: encodeURIComponent(r.trust),
  Tags: tagList(r.tags),
});

function profile(state: DoubleState, name: string) {
  const pr = setupStore(state).profiles.get(name);
  if (!pr) throw noEntity(`Instance Profile ${name}`);
  return pr;
}
const profileXml = (state: DoubleState, name: string): XmlValue => {
  const pr = profile(state, name);
  return {
    InstanceProfileName: name,
    Arn: pr.arn,
    Path: '/',
    InstanceProfileId: `AIPA${name.length}`,
    CreateDate: new Date(Date.UTC(2026, 0, 1)),
    Tags: tagList(pr.tags),
    Roles: pr.roles.map((r) => roleXml(r, role(state, r))),
  };
};

function policy(state: DoubleState, arn: string) {
  const po = setupStore(state).policies.get(arn);
  if (!po) throw noEntity(`Policy ${arn}`);
  return po;
}
const policyXml = (po: ReturnType<typeof policy>): XmlValue => ({
  PolicyName: po.name,
  Arn: po.arn,
  Path: '/',
  DefaultVersionId: po.versions.find((v) => v.isDefault)?.id,
  AttachmentCount: po.attachments,
  Tags: tagList(po.tags),
});
const versionXml = (v: {
  id: string;
  document: string;
  isDefault: boolean;
  createdMs: number;
}): XmlValue => ({
  VersionId: v.id,
  IsDefaultVersion: v.isDefault,
  Document: encodeURIComponent(v.document),
  CreateDate: new Date(v.createdMs),
});

const handlers: Record<string, Handler> = {
  CreateRole(state, p) {
    const name = p.required('RoleName');
    const roles = setupStore(state).roles;
    if (roles.has(name))
      throw new AwsFault('EntityAlreadyExists', `Role with name ${name} already exists.`, 409);
    roles.set(name, {
      arn: `arn:aws:iam::${state.accountId}:role/${name}`,
      trust: json(p.required('AssumeRolePolicyDocument')),
      tags: tagsOf(p),
      inline: new Map(),
    });
    return { Role: roleXml(name, role(state, name)) };
  },
  GetRole: (state, p) => ({
    Role: roleXml(p.required('RoleName'), role(state, p.required('RoleName'))),
  }),
  UpdateAssumeRolePolicy(state, p) {
    role(state, p.required('RoleName')).trust = json(p.required('PolicyDocument'));
    return undefined;
  },
  PutRolePolicy(state, p) {
    role(state, p.required('RoleName')).inline.set(
      p.required('PolicyName'),
      json(p.required('PolicyDocument')),
    );
    return undefined;
  },
  GetRolePolicy(state, p) {
    const name = p.required('RoleName');
    const doc = role(state, name).inline.get(p.required('PolicyName'));
    if (doc === undefined) throw noEntity(`role policy with name ${p.required('PolicyName')}`);
    return {
      RoleName: name,
      PolicyName: p.required('PolicyName'),
      PolicyDocument: encodeURIComponent(doc),
    };
  },
  ListRolePolicies: (state, p) => ({
    PolicyNames: [...role(state, p.required('RoleName')).inline.keys()],
    IsTruncated: false,
  }),
  DeleteRolePolicy(state, p) {
    if (!role(state, p.required('RoleName')).inline.delete(p.required('PolicyName')))
      throw noEntity('role policy');
    return undefined;
  },
  DeleteRole(state, p) {
    const name = p.required('RoleName');
    const r = role(state, name);
    if (r.inline.size > 0)
      throw new AwsFault(
        'DeleteConflict',
        'Cannot delete entity, must delete policies first.',
        409,
      );
    if ([...setupStore(state).profiles.values()].some((pr) => pr.roles.includes(name)))
      throw new AwsFault(
        'DeleteConflict',
        'Cannot delete entity, must remove roles from instance profile first.',
        409,
      );
    setupStore(state).roles.delete(name);
    return undefined;
  },
  CreateInstanceProfile(state, p) {
    const name = p.required('InstanceProfileName');
    const profiles = setupStore(state).profiles;
    if (profiles.has(name))
      throw new AwsFault('EntityAlreadyExists', `Instance Profile ${name} already exists.`, 409);
    profiles.set(name, {
      arn: `arn:aws:iam::${state.accountId}:instance-profile/${name}`,
      roles: [],
      tags: tagsOf(p),
    });
    return { InstanceProfile: profileXml(state, name) };
  },
  GetInstanceProfile: (state, p) => ({
    InstanceProfile: profileXml(state, p.required('InstanceProfileName')),
  }),
  AddRoleToInstanceProfile(state, p) {
    const pr = profile(state, p.required('InstanceProfileName'));
    role(state, p.required('RoleName'));
    if (pr.roles.length > 0)
      throw new AwsFault(
        'LimitExceeded',
        'Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1',
        409,
      );
    pr.roles.push(p.required('RoleName'));
    return undefined;
  },
  RemoveRoleFromInstanceProfile(state, p) {
    const pr = profile(state, p.required('InstanceProfileName'));
    if (!pr.roles.includes(p.required('RoleName'))) throw noEntity('role in the instance profile');
    pr.roles = pr.roles.filter((r) => r !== p.required('RoleName'));
    return undefined;
  },
  DeleteInstanceProfile(state, p) {
    const name = p.required('InstanceProfileName');
    if (profile(state, name).roles.length > 0)
      throw new AwsFault(
        'DeleteConflict',
        'Cannot delete entity, must remove roles from instance profile first.',
        409,
      );
    setupStore(state).profiles.delete(name);
    return undefined;
  },
  CreatePolicy(state, p) {
    const name = p.required('PolicyName');
    const arn = `arn:aws:iam::${state.accountId}:policy/${name}`;
    const policies = setupStore(state).policies;
    if (policies.has(arn))
      throw new AwsFault('EntityAlreadyExists', `A policy called ${name} already exists.`, 409);
    policies.set(arn, {
      name,
      arn,
      tags: tagsOf(p),
      attachments: 0,
      nextVersion: 2,
      versions: [
        {
          id: 'v1',
          document: json(p.required('PolicyDocument')),
          isDefault: true,
          createdMs: state.clock.now(),
        },
      ],
    });
    return { Policy: policyXml(policy(state, arn)) };
  },
  GetPolicy: (state, p) => ({ Policy: policyXml(policy(state, p.required('PolicyArn'))) }),
  GetPolicyVersion(state, p) {
    const v = policy(state, p.required('PolicyArn')).versions.find(
      (x) => x.id === p.required('VersionId'),
    );
    if (!v) throw noEntity('policy version');
    return { PolicyVersion: versionXml(v) };
  },
  ListPolicyVersions: (state, p) => ({
    Versions: policy(state, p.required('PolicyArn')).versions.map(versionXml),
    IsTruncated: false,
  }),
  CreatePolicyVersion(state, p) {
    const po = policy(state, p.required('PolicyArn'));
    if (po.versions.length >= 5)
      throw new AwsFault('LimitExceeded', 'A managed policy can have up to 5 versions.', 409);
    const v = {
      id: `v${po.nextVersion++}`,
      document: json(p.required('PolicyDocument')),
      isDefault: p.bool('SetAsDefault') === true,
      createdMs: state.clock.now(),
    };
    if (v.isDefault) for (const x of po.versions) x.isDefault = false;
    po.versions.push(v);
    return { PolicyVersion: versionXml(v) };
  },
  DeletePolicyVersion(state, p) {
    const po = policy(state, p.required('PolicyArn'));
    const v = po.versions.find((x) => x.id === p.required('VersionId'));
    if (!v) throw noEntity('policy version');
    if (v.isDefault)
      throw new AwsFault('DeleteConflict', 'Cannot delete the default version of a policy.', 409);
    po.versions = po.versions.filter((x) => x !== v);
    return undefined;
  },
  DeletePolicy(state, p) {
    const po = policy(state, p.required('PolicyArn'));
    if (po.attachments > 0 || po.versions.length > 1)
      throw new AwsFault(
        'DeleteConflict',
        'Cannot delete a policy attached to entities or with non-default versions.',
        409,
      );
    setupStore(state).policies.delete(po.arn);
    return undefined;
  },
};

export const IAM_ACTIONS: Readonly<Record<string, Handler>> = handlers;

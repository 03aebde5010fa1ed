// Agents and Groups by their inverse functional identifier (xAPI Data 2.4.2.1): one canonical key per identity, so
// that statements can be found by agent whatever else the JSON carries (name, objectType, key order).
type Json = Record<string, unknown>;

/** The IFI as one string (`mbox:mailto:a@b`, `account:https://x|name`), or null for an anonymous Group. */
export function ifiKey(actor: Json): string | null {
  if (typeof actor.mbox === 'string') return `mbox:${actor.mbox}`;
  if (typeof actor.mbox_sha1sum === 'string') return `mbox_sha1sum:${actor.mbox_sha1sum.toLowerCase()}`;
  if (typeof actor.openid === 'string') return `openid:${actor.openid}`;
  const account = actor.account as Json | undefined;
  if (account && typeof account.homePage === 'string' && typeof account.name === 'string') return `account:${account.homePage}|${account.name}`;
  return null;
}

/**
 * The key statements are found by: the IFI and whether it names an Agent or a Group (Data 2.4.2: "Agents or
 * identified Groups are equal when the same IFI is used ... and those Objects have the same objectType").
 */
export function agentKey(actor: Json): string | null {
  const ifi = ifiKey(actor);
  return ifi && `${actor.objectType === 'Group' ? 'group' : 'agent'}/${ifi}`;
}

/** The agent (or group) object reduced to its identifier, for format=ids. */
export function identifiedOnly(actor: Json): Json {
  const out: Json = {};
  if (actor.objectType) out.objectType = actor.objectType;
  for (const key of ['mbox', 'mbox_sha1sum', 'openid', 'account']) if (actor[key] !== undefined) out[key] = actor[key];
  if (actor.objectType === 'Group' && Array.isArray(actor.member) && ifiKey(actor) === null) out.member = actor.member.map((m) => identifiedOnly(m as Json));
  return out;
}

/**
 * The agents a statement mentions, as keys: `direct` for its actor and object (the `agent` filter), the rest
 * (authority, instructor, team, context agents, sub-statement) only for related_agents (Communication 2.1.3).
 */
export function statementAgents(statement: Json): { key: string; direct: boolean }[] {
  const found = new Map<string, boolean>();
  const add = (actor: unknown, direct: boolean) => {
    if (!actor || typeof actor !== 'object') return;
    const key = agentKey(actor as Json);
    if (key) found.set(key, found.get(key) === true || direct);
  };
  const walk = (s: Json, direct: boolean) => {
    add(s.actor, direct);
    const object = s.object as Json | undefined;
    if (object && (object.objectType === 'Agent' || object.objectType === 'Group')) add(object, direct);
    if (object && object.objectType === 'SubStatement') walk(object, false);
    const context = s.context as Json | undefined;
    if (context) {
      add(context.instructor, false);
      add(context.team, false);
      for (const entry of (context.contextAgents as Json[] | undefined) ?? []) add(entry.agent, false);
      for (const entry of (context.contextGroups as Json[] | undefined) ?? []) add(entry.group, false);
    }
  };
  walk(statement, true);
  add(statement.authority, false);
  return [...found].map(([key, direct]) => ({ key, direct }));
}

/** The activities a statement mentions: its object `direct`, context activities and sub-statement ones related. */
export function statementActivities(statement: Json): { id: string; direct: boolean; definition?: Json }[] {
  const found = new Map<string, { id: string; direct: boolean; definition?: Json }>();
  const add = (activity: unknown, direct: boolean) => {
    if (!activity || typeof activity !== 'object') return;
    const a = activity as Json;
    if (typeof a.id !== 'string') return;
    const seen = found.get(a.id);
    found.set(a.id, { id: a.id, direct: (seen?.direct ?? false) || direct, definition: (a.definition as Json | undefined) ?? seen?.definition });
  };
  const walk = (s: Json, direct: boolean) => {
    const object = s.object as Json | undefined;
    if (object && (object.objectType ?? 'Activity') === 'Activity') add(object, direct);
    if (object && object.objectType === 'SubStatement') walk(object, false);
    const activities = ((s.context as Json | undefined)?.contextActivities ?? {}) as Json;
    for (const list of Object.values(activities)) for (const a of Array.isArray(list) ? list : [list]) add(a, false);
  };
  walk(statement, true);
  return [...found.values()];
}

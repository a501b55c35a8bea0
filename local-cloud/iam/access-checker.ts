import { accessKeyIdOf } from '../function-environment.js';
import type { CloudModel } from '../template/cloud-model.js';
import type { ResolveContext } from '../template/intrinsics.js';
import { type AccessRequest, type Decision, type Evaluation, evaluate } from './evaluate.js';
import type { PolicyStatement } from './policy-document.js';
import { rolePolicies } from './role-policies.js';

/**
 * Local IAM: who is calling (a function, by the access key it signs with), what its role may do,
 * and AWS's words when it may not. Calls signed with any other key (the local cloud's own
 * clients, tests, tools) are not checked: only the functions run under a role of the template.
 */

/** A function as IAM sees it when it calls AWS: a session of its execution role. */
export interface FunctionPrincipal {
  accessKeyId: string;
  functionLogicalId: string;
  functionName: string;
  roleLogicalId: string;
  roleName: string;
  /** `arn:aws:sts::{account}:assumed-role/{role}/{function}`: Lambda names the session after the function. */
  principalArn: string;
  statements: PolicyStatement[];
}

export interface AccessDenial {
  principal: FunctionPrincipal;
  request: AccessRequest;
  decision: Exclude<Decision, 'allow'>;
}

/**
 * AWS's refusal text for identity-based policies, e.g. `User: arn:aws:sts::123456789012:assumed-role/R/F
 * is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:...:table/T because
 * no identity-based policy allows the dynamodb:PutItem action`. Services differ in details
 * (SQS writes the action in lower case), so both parts can be given as the service shows them.
 */
export function denialMessage(denial: AccessDenial, shown: { action?: string; resource?: string } = {}): string {
  const action = shown.action ?? denial.request.action;
  const resource = shown.resource ?? denial.request.resource;
  const reason =
    denial.decision === 'explicit-deny'
      ? 'with an explicit deny in an identity-based policy'
      : `because no identity-based policy allows the ${action} action`;
  return `User: ${denial.principal.principalArn} is not authorized to perform: ${action} on resource: ${resource} ${reason}`;
}

export interface AccessCheckerOptions {
  /** Called for every refused call (the local cloud prints it). */
  onDenial?: (denial: AccessDenial) => void;
}

export class AccessChecker {
  /** Every refusal so far, oldest first (bounded). */
  readonly denials: AccessDenial[] = [];
  private readonly byAccessKey = new Map<string, FunctionPrincipal>();
  private readonly byFunction = new Map<string, FunctionPrincipal>();

  constructor(
    principals: readonly FunctionPrincipal[],
    private readonly options: AccessCheckerOptions = {},
  ) {
    for (const principal of principals) {
      this.byAccessKey.set(principal.accessKeyId, principal);
      this.byFunction.set(principal.functionLogicalId, principal);
      this.byFunction.set(principal.functionName, principal);
    }
  }

  /**
   * The principals of every function of the model whose role is a role of the template,
   * resolved with `context` (build it once queue URLs are known). `warnings` lists what could
   * not be taken into account (unknown managed policies, functions without a role of the stack).
   */
  static fromModel(model: CloudModel, context: ResolveContext, options: AccessCheckerOptions = {}): { checker: AccessChecker; warnings: string[] } {
    const warnings: string[] = [];
    const principals: FunctionPrincipal[] = [];
    const roles = new Map<string, ReturnType<typeof rolePolicies>>();
    for (const fn of model.functions) {
      if (!fn.roleLogicalId) {
        warnings.push(`${fn.logicalId}: its role is not a role of this stack, so its calls are not checked`);
        continue;
      }
      let role = roles.get(fn.roleLogicalId);
      if (!role) {
        role = rolePolicies(model.template, fn.roleLogicalId, context);
        roles.set(fn.roleLogicalId, role);
        warnings.push(...role.warnings);
      }
      principals.push({
        accessKeyId: accessKeyIdOf(fn),
        functionLogicalId: fn.logicalId,
        functionName: fn.name,
        roleLogicalId: fn.roleLogicalId,
        roleName: role.roleName,
        principalArn: `arn:aws:sts::${model.accountId}:assumed-role/${role.roleName}/${fn.name}`,
        statements: role.statements,
      });
    }
    return { checker: new AccessChecker(principals, options), warnings };
  }

  /** The function that signs with this key, or undefined for any other caller (not checked). */
  principalOf(accessKeyId: string | undefined): FunctionPrincipal | undefined {
    return accessKeyId === undefined ? undefined : this.byAccessKey.get(accessKeyId);
  }

  /** A function by logical id or physical name. */
  principal(functionId: string): FunctionPrincipal {
    const principal = this.byFunction.get(functionId);
    if (!principal) throw new Error(`no checked function ${functionId}`);
    return principal;
  }

  evaluate(functionId: string, request: AccessRequest): Evaluation {
    return evaluate(this.principal(functionId).statements, request);
  }

  allows(functionId: string, action: string, resource: string): boolean {
    return this.evaluate(functionId, { action, resource }).decision === 'allow';
  }

  /**
   * Checks a call that needs every one of `requests` (a batch over several tables needs each);
   * the first refused one is the answer. Undefined: allowed, or not a function's key.
   */
  check(accessKeyId: string | undefined, requests: AccessRequest | readonly AccessRequest[]): AccessDenial | undefined {
    const principal = this.principalOf(accessKeyId);
    if (!principal) return undefined;
    for (const request of Array.isArray(requests) ? requests : [requests as AccessRequest]) {
      const { decision } = evaluate(principal.statements, request);
      if (decision !== 'allow') {
        const denial: AccessDenial = { principal, request, decision };
        this.denials.push(denial);
        if (this.denials.length > 1_000) this.denials.splice(0, this.denials.length - 500);
        this.options.onDenial?.(denial);
        return denial;
      }
    }
    return undefined;
  }
}

import { makeId, parseId } from './salesforce-ids';

const TASK_PREFIX = '00T';
const CAMPAIGN_PREFIX = '701';
const CAMPAIGN_MEMBER_PREFIX = '00v';
const PRIORITIES = ['High', 'Normal', 'Low'];
const STATUSES = ['Not Started', 'In Progress', 'Completed', 'Waiting on someone else', 'Deferred'];

export interface SfIssue {
  errorCode: string;
  message: string;
  fields?: string[];
}

export type Created = { id: string } | { issues: SfIssue[] };

/** Resolves a Contact or Lead id to its canonical 18-character id (undefined: none, or deleted). */
export type WhoResolver = (id: string) => { id: string; object: 'Contact' | 'Lead' } | undefined;

/**
 * Task, Campaign and CampaignMember, as far as Corridor's treatments use them. Validation follows
 * Salesforce: a WhoId must name a live Contact or Lead (FIELD_INTEGRITY_EXCEPTION otherwise), an
 * OwnerId a user, picklists refuse unknown values, a CampaignMember needs a campaign and exactly
 * one of ContactId/LeadId, and adding a member twice is DUPLICATE_VALUE "Already a campaign member.".
 * A task without OwnerId belongs to the user who creates it. A Task field the org does not have
 * (`absentFields`, e.g. `Task.Corridor_Delivery_Id__c` before the admin adds it) is an unknown
 * column, INVALID_FIELD, as for any other field.
 */
export class SalesforceEngagements {
  readonly tasks = new Map<string, Record<string, unknown>>();
  readonly campaigns = new Map<string, Record<string, unknown>>();
  readonly members = new Map<string, Record<string, unknown>>();
  private serial = 0;

  constructor(
    private readonly who: WhoResolver,
    private readonly isUser: (id: string) => boolean,
    private readonly now: () => number,
    private readonly absent: () => ReadonlySet<string> = () => new Set(),
  ) {}

  createCampaign(name: string): string {
    const id = makeId(CAMPAIGN_PREFIX, this.serial++);
    this.campaigns.set(id, { Id: id, Name: name, IsActive: true, Status: 'Planned' });
    return id;
  }

  createTask(fields: Record<string, unknown>, userId: string): Created {
    const issues: SfIssue[] = [];
    const absent = this.absent();
    const known = ['Subject', 'Description', 'ActivityDate', 'Priority', 'Status', 'WhoId', 'OwnerId', 'WhatId', 'ReminderDateTime', 'IsReminderSet', 'Corridor_Delivery_Id__c'].filter(
      (name) => !absent.has(`Task.${name}`),
    );
    for (const key of Object.keys(fields)) {
      if (!known.includes(key)) issues.push({ errorCode: 'INVALID_FIELD', message: `No such column '${key}' on sobject of type Task`, fields: [key] });
    }
    const priority = fields.Priority === undefined ? 'Normal' : String(fields.Priority);
    if (!PRIORITIES.includes(priority)) issues.push({ errorCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', message: `Priority: bad value for restricted picklist field: ${priority}`, fields: ['Priority'] });
    const status = fields.Status === undefined ? 'Not Started' : String(fields.Status);
    if (!STATUSES.includes(status)) issues.push({ errorCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', message: `Status: bad value for restricted picklist field: ${status}`, fields: ['Status'] });
    if (fields.ActivityDate !== undefined && fields.ActivityDate !== null && !/^\d{4}-\d{2}-\d{2}$/.test(String(fields.ActivityDate))) {
      issues.push({ errorCode: 'JSON_PARSER_ERROR', message: `Cannot deserialize instance of date from VALUE_STRING value ${String(fields.ActivityDate)}`, fields: ['ActivityDate'] });
    }
    let whoId: string | null = null;
    if (fields.WhoId !== undefined && fields.WhoId !== null) {
      const who = this.who(String(fields.WhoId));
      if (!who) issues.push({ errorCode: 'FIELD_INTEGRITY_EXCEPTION', message: 'Name ID: id value of incorrect type: ' + String(fields.WhoId), fields: ['WhoId'] });
      else whoId = who.id;
    }
    const ownerId = fields.OwnerId === undefined || fields.OwnerId === null ? userId : String(fields.OwnerId);
    if (!this.isUser(ownerId)) issues.push({ errorCode: 'FIELD_INTEGRITY_EXCEPTION', message: `Assigned To ID: owner cannot be blank or is not a user: ${ownerId}`, fields: ['OwnerId'] });
    if (issues.length) return { issues };
    const id = makeId(TASK_PREFIX, this.serial++);
    const at = new Date(this.now()).toISOString().replace('Z', '+0000');
    this.tasks.set(id, {
      Id: id,
      Subject: fields.Subject ?? null,
      Description: fields.Description ?? null,
      ActivityDate: fields.ActivityDate ?? null,
      Priority: priority,
      Status: status,
      WhoId: whoId,
      OwnerId: ownerId,
      CreatedById: userId,
      CreatedDate: at,
      IsDeleted: false,
      Corridor_Delivery_Id__c: fields.Corridor_Delivery_Id__c ?? null,
    });
    return { id };
  }

  createMember(fields: Record<string, unknown>, userId: string): Created {
    const campaignId = fields.CampaignId === undefined || fields.CampaignId === null ? '' : String(fields.CampaignId);
    if (!campaignId) return { issues: [{ errorCode: 'REQUIRED_FIELD_MISSING', message: 'Required fields are missing: [CampaignId]', fields: ['CampaignId'] }] };
    const campaign = [...this.campaigns.keys()].find((id) => sameId(id, campaignId));
    if (!campaign) return { issues: [{ errorCode: 'INVALID_CROSS_REFERENCE_KEY', message: `invalid cross reference id`, fields: ['CampaignId'] }] };
    const ref = fields.ContactId ?? fields.LeadId;
    if ((fields.ContactId ?? null) !== null && (fields.LeadId ?? null) !== null) {
      return { issues: [{ errorCode: 'FIELD_INTEGRITY_EXCEPTION', message: 'Only one of ContactId or LeadId may be set', fields: ['ContactId', 'LeadId'] }] };
    }
    if (ref === undefined || ref === null) return { issues: [{ errorCode: 'REQUIRED_FIELD_MISSING', message: 'Required fields are missing: [ContactId or LeadId]', fields: ['ContactId'] }] };
    const who = this.who(String(ref));
    const field = fields.ContactId !== undefined ? 'ContactId' : 'LeadId';
    if (!who || who.object !== (field === 'ContactId' ? 'Contact' : 'Lead')) {
      return { issues: [{ errorCode: 'FIELD_INTEGRITY_EXCEPTION', message: `${field}: id value of incorrect type: ${String(ref)}`, fields: [field] }] };
    }
    if ([...this.members.values()].some((m) => m.CampaignId === campaign && m[field] === who.id)) {
      return { issues: [{ errorCode: 'DUPLICATE_VALUE', message: 'Already a campaign member.', fields: [] }] };
    }
    const id = makeId(CAMPAIGN_MEMBER_PREFIX, this.serial++);
    this.members.set(id, { Id: id, CampaignId: campaign, [field]: who.id, Status: fields.Status ?? 'Sent', CreatedById: userId });
    return { id };
  }
}

/** 15- and 18-character ids of one record compare equal (the first 15 characters are case-sensitive). */
function sameId(a: string, b: string): boolean {
  return a.slice(0, 15) === b.slice(0, 15) && (parseId(a) !== undefined || a === b);
}

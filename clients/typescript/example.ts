// What an app written in TypeScript does with the generated types (victo-api.d.ts, made by
// `npm run types` from the served schema): tsc --strict must accept it, so a change of the
// contract that would break the app breaks this check first.
import type { components, paths } from "./victo-api";

type Schemas = components["schemas"];
type RequestDetail = Schemas["RequestDetail"];
type Problem = Schemas["Problem"];
type SubmitJSON = NonNullable<
  paths["/api/v1/requests/"]["post"]["requestBody"]
>["content"]["application/json"];
type SubmitForm = NonNullable<
  paths["/api/v1/requests/"]["post"]["requestBody"]
>["content"]["multipart/form-data"];
type Login = paths["/_allauth/app/v1/auth/login"]["post"]["requestBody"]["content"]["application/json"];
type Created = paths["/api/v1/requests/"]["post"]["responses"][201]["content"]["application/json"];

export const login: Login = { email: "lea@example.ca", password: "Lac-Beauport-2026" };

export const pothole: SubmitJSON = {
  request_type: "nid-de-poule",
  description: "Un trou profond devant le 12",
  field_values: { taille: "grand" },
  latitude: 46.057,
  longitude: -71.958,
};

// In a form, the field values are one JSON string.
export const asForm: SubmitForm = {
  request_type: "nid-de-poule",
  field_values: JSON.stringify({ taille: "grand" }),
};

export function headline(detail: RequestDetail | Created): string {
  // A pin or a followed request has no registry address: `place` always says where.
  const where = detail.address?.label ?? detail.place;
  const last = detail.timeline.at(-1);
  const news = last === undefined ? "" : ` (${last.kind === "public_reply" ? "réponse" : last.title})`;
  return `${detail.reference}: ${detail.status.label}, ${where}${news}`;
}

export function choices(field: Schemas["CatalogueField"]): string[] {
  return field.choices.map((choice) => `${choice.code}=${choice.label}`);
}

export function mustRetryLater(problem: Problem): boolean {
  switch (problem.type) {
    case "urn:victo:problem:throttled":
    case "urn:victo:problem:idempotency-in-progress":
      return true;
    default:
      return false;
  }
}

export const keys: NonNullable<Schemas["DeviceRequest"]["keys"]> = { p256dh: "BNc…", auth: "tBH…" };

// @ts-expect-error: not a kind of timeline entry the API gives
export const unknownKind: Schemas["TimelineEntry"]["kind"] = "internal_note";

// The Law 25 export as JSON (`Accept: application/json`): every section typed.
type Export = Schemas["PersonalDataExport"];
export function exportSummary(data: Export): string {
  const photos = data.requests.reduce((count, request) => count + request.photos.length, 0);
  const totp = data.sign_in.authenticators.some((a) => a.type === "totp");
  return `${data.profile.email}: ${data.requests.length} requests, ${photos} photos, 2FA ${totp}`;
}

// @ts-expect-error: the export has no section the schema does not name
export const unknownSection: Export["unknown_section"] = [];

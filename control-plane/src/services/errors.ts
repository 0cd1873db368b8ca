import { err, type ProblemCode, type Result } from "@portico/shared";

/** What a service verb can fail with; the HTTP edge turns it into problem+json. */
export interface DomainError {
  code: ProblemCode;
  detail: string;
  errors?: { path: string; message: string }[];
  /** Problem extension members (RFC 9457 §3.2), e.g. the gateways a deploy would not reach. */
  extensions?: Record<string, unknown>;
}

export type ServiceResult<T> = Result<T, DomainError>;

export const fail = (code: ProblemCode, detail: string, errors?: DomainError["errors"]) =>
  err<DomainError>({ code, detail, ...(errors ? { errors } : {}) });

export const failWith = (code: ProblemCode, detail: string, extensions: Record<string, unknown>) =>
  err<DomainError>({ code, detail, extensions });

export const notFound = (what: string) => fail("not-found", `${what} does not exist`);

/** PostgreSQL unique_violation, raised by a concurrent or repeated insert. */
export function isUniqueViolation(e: unknown): boolean {
  const code =
    (e as { code?: string; cause?: { code?: string } })?.code ?? (e as { cause?: { code?: string } })?.cause?.code;
  return code === "23505";
}

import type { Comment } from "@portico/shared";
import Link from "next/link";
import type { FormState } from "@/lib/forms";
import { CommentForm } from "./comment-form";

interface Props {
  tenant: string;
  apiId: string;
  comments: Comment[];
  mine: number | null;
  signedIn: boolean;
  /** developers and admins rate and comment; other roles read */
  canWrite: boolean;
  userId: string | null;
  isAdmin: boolean;
  rated: "saved" | "failed" | null;
  loginHref: string;
  actions: {
    rate: (form: FormData) => Promise<void>;
    comment: (prev: FormState, form: FormData) => Promise<FormState>;
    remove: (form: FormData) => Promise<void>;
  };
}

const STARS = [1, 2, 3, 4, 5];

/** Ratings and comments of an API; plain forms, so they work without JavaScript too. */
export function Feedback(p: Props) {
  return (
    <section id="feedback" className="dp-section" aria-labelledby="feedback-title">
      <h2 id="feedback-title">Ratings and comments</h2>
      {p.canWrite ? (
        <form action={p.actions.rate} className="card dp-rate">
          <input type="hidden" name="tenant" value={p.tenant} />
          <input type="hidden" name="apiId" value={p.apiId} />
          <fieldset className="dp-fieldset">
            <legend>Your rating{p.mine ? ` (now ${p.mine} of 5)` : ""}</legend>
            <div className="dp-star-input">
              {STARS.map((n) => (
                <label key={n}>
                  <input type="radio" name="rating" value={n} defaultChecked={p.mine === n} required />
                  <span aria-hidden="true">★</span>
                  <span className="visually-hidden">
                    {n} {n === 1 ? "star" : "stars"}
                  </span>
                </label>
              ))}
            </div>
          </fieldset>
          <button type="submit" className="btn btn-secondary btn-sm">
            Save rating
          </button>
          {p.rated ? (
            <p role="status" className={p.rated === "saved" ? "dp-ok" : "field-error"}>
              {p.rated === "saved" ? "Thanks: your rating is saved." : "The rating could not be saved."}
            </p>
          ) : null}
        </form>
      ) : !p.signedIn ? (
        <p>
          <Link href={p.loginHref}>Sign in</Link> to rate this API and join the discussion.
        </p>
      ) : null}

      {p.comments.length === 0 ? (
        <p className="dp-muted">No comments yet.</p>
      ) : (
        <ol className="dp-comments">
          {p.comments.map((c) => (
            <li key={c.id} id={`comment-${c.id}`} className="dp-comment">
              <p className="dp-comment-meta">
                <strong>{c.author}</strong>{" "}
                <time dateTime={c.createdAt} className="dp-muted">
                  {c.createdAt.slice(0, 16).replace("T", " ")} UTC
                </time>
              </p>
              <p className="dp-comment-body">{c.body}</p>
              {p.canWrite && (c.authorId === p.userId || p.isAdmin) ? (
                <form action={p.actions.remove}>
                  <input type="hidden" name="tenant" value={p.tenant} />
                  <input type="hidden" name="apiId" value={p.apiId} />
                  <input type="hidden" name="commentId" value={c.id} />
                  <button type="submit" className="btn btn-ghost btn-sm">
                    Delete<span className="visually-hidden"> the comment by {c.author}</span>
                  </button>
                </form>
              ) : null}
            </li>
          ))}
        </ol>
      )}
      {p.canWrite ? <CommentForm tenant={p.tenant} apiId={p.apiId} action={p.actions.comment} /> : null}
    </section>
  );
}

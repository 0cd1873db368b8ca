import type { ComponentPropsWithoutRef } from "react";
import ReactMarkdown, { type Components } from "react-markdown";

/**
 * Publisher-written Markdown, rendered on the server. Safe by construction: react-markdown
 * builds React elements from the Markdown tree and never injects HTML; raw HTML in the source
 * is dropped (`skipHtml`), and link and image URLs pass its `defaultUrlTransform`, which
 * refuses `javascript:` and other unsafe schemes. Headings start two levels down, below the
 * page's own title.
 */
const shift =
  (Tag: "h3" | "h4" | "h5" | "h6") =>
  ({ node: _node, ...props }: ComponentPropsWithoutRef<"h3"> & { node?: unknown }) => <Tag {...props} />;

const components: Components = {
  h1: shift("h3"),
  h2: shift("h4"),
  h3: shift("h5"),
  h4: shift("h6"),
  h5: shift("h6"),
  h6: shift("h6"),
  a: ({ node: _node, ...props }) => <a {...props} rel="noopener noreferrer nofollow" />,
};

export function Markdown({ source }: { source: string }) {
  return (
    <div className="dp-prose">
      <ReactMarkdown skipHtml components={components}>
        {source}
      </ReactMarkdown>
    </div>
  );
}

import { LoadingPanel } from "@/components/loading-panel";

export default function AnalyticsLoading() {
  return <LoadingPanel label="Loading analytics…" />;
}

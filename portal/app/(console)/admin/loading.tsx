import { LoadingPanel } from "@/components/loading-panel";

export default function AdminLoading() {
  return <LoadingPanel label="Loading…" />;
}

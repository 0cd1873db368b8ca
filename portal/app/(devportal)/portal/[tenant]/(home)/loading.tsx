export { PortalLoading as default } from "@/components/devportal/loading";

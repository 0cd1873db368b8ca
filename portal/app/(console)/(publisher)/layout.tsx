import { areaLayout } from "@/lib/area-layout";

export default areaLayout("publisher");

import { areaLayout } from "@/lib/area-layout";
import "../data-views.css";

export default areaLayout("analytics");

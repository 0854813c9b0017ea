export { recordStaffAction } from "./lib/audit";

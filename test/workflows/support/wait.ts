// The workflow tests' name for it: they wait on `status` views.
export { eventually as statusWhen } from '../../helpers/eventually';

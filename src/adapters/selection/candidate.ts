/** The candidate shape lives in the domain (the replay reads it from slot logs too). */
export { CandidateSchema, type Candidate } from '../../domain/candidate';
